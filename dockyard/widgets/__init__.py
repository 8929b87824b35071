"""Explorers for a live kernel: each a small ipywidgets class over a plain function core.

Every action goes through the same SDK call, or the same `docker build`, that its chapter teaches,
and touches only resources that carry the course label.
"""
from dockyard.widgets.cache import CachePlayground as CachePlayground
from dockyard.widgets.layers import LayerExplorer as LayerExplorer
from dockyard.widgets.netmap import NetworkMap as NetworkMap
from dockyard.widgets.panel import ContainerPanel as ContainerPanel
from dockyard.widgets.sizes import SizeRace as SizeRace
