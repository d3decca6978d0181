"""The public portal: owners register, verify, confirm, update and withdraw through emailed links.

services.py holds the owner lifecycle (one command per step, each owning its transaction),
views.py the HTML pages that call them; no business rule lives in a view.
"""
