"""Pure checks: plain functions over records and values, importing nothing from Django.

They decide (is this a duplicate, does this regex accept that code, what does this CSV row say);
selectors fetch what they look at, services act on what they decide, presenters put it in words.
tests/test_layering.py keeps Django out of this package.
"""
