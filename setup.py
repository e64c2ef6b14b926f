"""Ships the top-level sql/ folder inside the wheel as pyhotmesh/sql."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithSql(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "sql"
        target = Path(self.build_lib) / "pyhotmesh" / "sql"
        for path in source.rglob("*.sql"):
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())


setup(cmdclass={"build_py": BuildWithSql})
