"""Quality pages, one module per part of the section (quality/urls.py names them). Every view
names its capability and reads through scoped selectors; every write goes through
quality.services."""
