"""The seed scenario of python-poetry/poetry#5205, end to end, on this machine.

A PEP 503 index on 127.0.0.1 serves jaxlib 0.1.71 wheels for x86_64 and jax; the
aarch64 jaxlib wheel sits at a plain URL. The project lists jaxlib as two
alternatives with markers, URL first (the order stock Poetry gets wrong). The demo
locks with stock Poetry and with the plugin, shows the lock's jaxlib entries and what
each machine installs, then installs into this machine's venv.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.harness.index import IndexServer  # noqa: E402
from tests.harness.poetry import (  # noqa: E402
    build_plugin_wheel,
    install_plugin,
    prepare_poetry,
)
from tests.harness.project import (  # noqa: E402
    lock_entries,
    read_lock,
    write_project,
)
from tests.harness.scenarios import publish_seed, seed_dependencies  # noqa: E402

#: the CPython minor the demo's Poetry and project venv run on
PY = f"{sys.version_info[0]}.{sys.version_info[1]}"


def heading(text: str) -> None:
    print(f"\n=== {text}")


def run(poetry, *args, cwd, home, plugins=True) -> str:
    print(f"$ poetry {'--no-plugins ' if not plugins else ''}{' '.join(args)}")
    result = poetry.run(*args, cwd=cwd, home=home, plugins=plugins)
    if result.returncode != 0:
        print(result.stdout + result.stderr)
        raise SystemExit(f"poetry {' '.join(args)} failed with exit code {result.returncode}")
    return result.stdout


def show_jaxlib(project: Path) -> None:
    for entry in lock_entries(read_lock(project), "jaxlib"):
        source = entry.get("source", {})
        print(
            f"  jaxlib {entry['version']}  {source.get('type')} {source.get('url')}\n"
            f"      markers: {entry.get('markers', '(none: every machine)')}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poetry", default="2.5.1", help="Poetry version (default 2.5.1)")
    parser.add_argument("--work", type=Path, help="work directory (default: a new temp dir)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="multiarch-demo-"))
    work.mkdir(parents=True, exist_ok=True)

    heading(f"Poetry {args.poetry} with the plugin installed into it")
    poetry = prepare_poetry(args.poetry)
    install_plugin(poetry, build_plugin_wheel(poetry, work / "plugin-wheel"))
    home = work / "poetry-home"
    home.mkdir(exist_ok=True)

    server = IndexServer(work / "index").start()
    try:
        seed = publish_seed(server, work)
        deps = seed_dependencies(seed)
        heading(f"Index on {server.url}; project dependencies:")
        print(deps)

        stock = write_project(work / "stock", deps, {"local": seed.index_url})
        heading("Stock Poetry (plugins disabled): one jaxlib entry for every machine")
        run(poetry, "lock", cwd=stock, home=home, plugins=False)
        show_jaxlib(stock)

        project = write_project(work / "project", deps, {"local": seed.index_url})
        heading("With poetry-plugin-multiarch: one entry per alternative")
        run(poetry, "lock", cwd=project, home=home)
        show_jaxlib(project)

        heading("What each machine installs from this lock")
        print(
            run(
                poetry,
                "multiarch",
                "show",
                "--target",
                "linux-x86_64",
                "--target",
                "linux-aarch64",
                "--target",
                "macos-arm64",
                cwd=project,
                home=home,
            )
        )
        heading("Coverage gate: declare the targets, check the lock")
        pyproject = project / "pyproject.toml"
        base = pyproject.read_text()
        pyproject.write_text(
            base + '\n[tool.poetry-plugin-multiarch]\nenvironments = ["linux-x86_64",'
            f' "linux-aarch64"]\npython = ["{PY}"]\n'
        )
        run(poetry, "lock", cwd=project, home=home)
        print(run(poetry, "multiarch", "check", cwd=project, home=home))
        heading("Adding macos-arm64, which no jaxlib wheel here serves: the lock is refused")
        pyproject.write_text(
            base + '\n[tool.poetry-plugin-multiarch]\nenvironments = ["linux-x86_64",'
            f' "linux-aarch64", "macos-arm64"]\npython = ["{PY}"]\n'
        )
        print("$ poetry lock")
        refused = poetry.run("lock", cwd=project, home=home)
        print(refused.stderr.strip(), f"\n(exit code {refused.returncode})")
        pyproject.write_text(
            base + '\n[tool.poetry-plugin-multiarch]\nenvironments = ["linux-x86_64",'
            f' "linux-aarch64"]\npython = ["{PY}"]\n'
        )

        heading("An aarch64 image built on this host: its files, downloaded and checked")
        print(
            run(poetry, "multiarch", "show", "--target", "linux-aarch64", "--files",
                cwd=project, home=home)
        )  # fmt: skip
        wheelhouse = work / "wheelhouse"
        print(
            run(poetry, "multiarch", "download", "--target", "linux-aarch64",
                "-d", str(wheelhouse), cwd=project, home=home)
        )  # fmt: skip
        print(f"{wheelhouse / 'requirements.txt'} (pip install -r it in the image):")
        print((wheelhouse / "requirements.txt").read_text())

        heading("Install on this machine")
        print(run(poetry, "install", cwd=project, home=home))
        print(
            run(
                poetry,
                "run",
                "python",
                "-c",
                "import platform, jaxlib; print(platform.machine(), '->', jaxlib.ARTIFACT)",
                cwd=project,
                home=home,
            )
        )
        print(f"Work directory: {work}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
