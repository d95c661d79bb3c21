"""Words and text: the one normaliser of owner input, templates rendered to neutral rich text, locale folders."""
