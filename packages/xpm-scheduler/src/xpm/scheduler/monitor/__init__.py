"""xpm.scheduler.monitor: a live web page over a workspace's experiments and jobs."""

from .sample import write_sample_workspace
from .server import MonitorServer

__all__ = ["MonitorServer", "write_sample_workspace"]
