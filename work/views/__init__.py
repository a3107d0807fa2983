"""Work pages, one module per part (work/urls.py names them): the team leader's queue (htmx
assign, reassign, bulk assign), the items (detail with its audit trail, status changes, "My
work", create/edit, CSV import), the day's changes and the automatic-assignment settings. Reads
go through `work.selectors`, every write through `work.services`."""
