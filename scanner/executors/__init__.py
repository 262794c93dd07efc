"""Where collection runs when it does not run in this process.

``units`` describes collection units (account or subscription x region x collector)
as small frozen specs that carry no credential; ``targets`` turns the CLI flags into
them on the driver; ``worker`` is what a Dask worker runs for one unit, with its own
credentials; ``dask_cluster`` is the only module that imports Dask, loaded only for
``--executor dask``.
"""
