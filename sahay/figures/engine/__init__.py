"""The indicator engine: one interpreter for every counting rule written in a framework file.

A rule names what is counted (`count`), from which records (`from`) and with which filters (`where`).
`sources` turns the records into qualifying events, each with a subject, a place and a date range;
`counting` counts them in a window, per country, organisation or programme, with disaggregations.
"""
