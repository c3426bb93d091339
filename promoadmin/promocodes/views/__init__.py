"""The dashboard's pages, one module per screen family; `promoadmin/promocodes/urls.py` is the map."""
