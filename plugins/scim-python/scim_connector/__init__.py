"""The SCIM 2.0 connector of ccsync, written in Python and built into a component with
componentize-py (see the README beside this package).

The package holds the platform knowledge (settings, requests, paging, mapping, how a SCIM
service explains a failure); `app.py` only binds it to the contract's exports. Every module
takes the contract's types from the bindings componentize-py generates (`wit_world`), and the
HTTP import is handed in as a function, so the unit tests run the same code natively against
scripted responses.
"""
