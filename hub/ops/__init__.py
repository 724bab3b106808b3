"""The process runtime of ``hub worker``: the supervisor, one worker process, readiness to systemd."""
