"""Builds theta_net._core with CMake (the package metadata lives in pyproject.toml).

The CMake build folder is fixed (build/release, or $THETA_BUILD_DIR) rather than under
setuptools' temporary build_temp, so reinstalling only recompiles what changed.
"""

import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = pathlib.Path(os.environ.get("THETA_BUILD_DIR", ROOT / "build" / "release"))
        # The interpreter building this package, resolved through the venv's symlink: the
        # extension depends only on that interpreter's headers and ABI, and every venv made from it
        # then shares one CMake cache (a throw-away venv cannot leave a dangling path behind).
        python = os.path.realpath(sys.executable)
        configure = [
            "cmake",
            "-S",
            str(ROOT),
            "-B",
            str(build_dir),
            "-G",
            "Ninja",
            "-DCMAKE_BUILD_TYPE=Release",
            "-DTHETA_BUILD_PYTHON=ON",
            f"-DPython_EXECUTABLE={python}",
        ]
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.run(configure, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_core", "-j", jobs], check=True)
        built = sorted((build_dir / "python" / "theta_net").glob("_core*.so"))
        if not built:
            raise RuntimeError(f"CMake built no _core extension in {build_dir}")
        destination = pathlib.Path(self.get_ext_fullpath(ext.name))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[-1], destination)


setup(ext_modules=[CMakeExtension("theta_net._core")], cmdclass={"build_ext": CMakeBuild})
