# SLA evaluation and the monthly client reports arrive with the reporting issue; the app is registered now so that
# the layout, settings and migrations stay stable.
