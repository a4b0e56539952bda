"""The one compiled part of tradesys: the book-level scanner (tradesys/venue/_levelscan.c). Everything else
is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("tradesys.venue._levelscan", ["tradesys/venue/_levelscan.c"],
                             extra_compile_args=["-O2", "-Wall", "-Werror=implicit-function-declaration"])])
