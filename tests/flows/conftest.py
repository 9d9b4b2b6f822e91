from tests.flows.product_marts import products_conn  # noqa: F401  (fixture shared by publish and conflict tests)
from tests.flows.synced_world import synced_world  # noqa: F401  (one synced world for docs, reconcile, conflicts)
