# Scorecards and evaluations arrive with the quality issue; the app is registered now so that
# the layout, settings and migrations stay stable.
