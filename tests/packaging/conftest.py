"""packaging/ is a folder of scripts, not a package: load its modules by path.

By path, because `build` is also the name of a PyPI package.
"""

import importlib.util
import sys

from tests.conftest import REPO

PACKAGING = REPO / "packaging"


def load_script(name: str):
    if name in sys.modules and getattr(sys.modules[name], "__file__", "").startswith(
        str(PACKAGING)
    ):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
