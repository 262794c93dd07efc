"""Azure collectors (one module per service) over one shared Resource Manager pipeline.

``identity`` (clouds, credentials), ``arm`` (the pipeline, read-only guard, retries,
paged GETs, pinned api-versions), ``context`` (one AzureContext per subscription) and
the collectors: ``storage``.
"""
