from tests.flows.product_marts import products_conn  # noqa: F401  (fixture shared by publish and conflict tests)
