"""The governance database's shared machinery below the domain packages: the job queue
(`jobs`) and the registry of job kinds (`job_kinds`). Nothing here imports a domain module."""
