"""Turn the reST roles of bargainlab's docstrings into cross-references of the docs site.

The docstrings use roles such as ``:class:`~bargainlab.engine.views.SideView``` and
``:func:`rubinstein```. This griffe extension rewrites each one into a Markdown
cross-reference to ``bargainlab.engine.views.SideView`` (an optional one: no warning
when the reference does not render that object, e.g. a package or an undocumented member) when the target is an
object of the package that the API reference renders, and into inline code otherwise. A role
that names a ``bargainlab.`` object that does not exist is a stale reference: it is logged as
a warning, which fails the strict build, so a moved module cannot leave dead references behind.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

logger = griffe.logger  # mkdocstrings routes it through MkDocs: a warning fails --strict

ROLE = re.compile(r":(?:py:)?(class|func|meth|mod|data|attr|obj|exc):`(~?)([^`]+)`")


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` in every docstring once the object tree is complete."""

    def __init__(self, documented: list[str] | None = None) -> None:
        super().__init__()
        self.documented = tuple(documented or ("bargainlab",))

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if obj.docstring is None or ":" not in obj.docstring.value:
            return
        obj.docstring.value = ROLE.sub(lambda m: self._link(m, obj, loader), obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        # the top-level package is not among the objects of on_object
        self.on_object(obj=pkg, loader=loader)

    def _link(self, match: re.Match[str], obj: griffe.Object, loader: griffe.GriffeLoader) -> str:
        role, short, target = match.groups()
        target = target.strip()
        label = target.rsplit(".", 1)[-1] if short else target
        if role in ("func", "meth"):
            label += "()"
        path = self._resolve(target, obj, loader)
        if path is None:
            if target.startswith("bargainlab."):
                logger.warning(
                    "%s: stale reference :%s:`%s` (no such object)", obj.path, role, target
                )
            return f"`{label}`"
        if not self._rendered(path):
            return f"`{label}`"
        # optional: an object the reference does not render (a package, an undocumented
        # member) stays plain code instead of failing the build
        return f'<autoref identifier="{path}" optional><code>{label}</code></autoref>'

    def _rendered(self, path: str) -> bool:
        parts = path.split(".")
        if any(p.startswith("_") for p in parts):
            return False
        return any(path == d or path.startswith(d + ".") for d in self.documented)

    @staticmethod
    def _resolve(target: str, obj: griffe.Object, loader: griffe.GriffeLoader) -> str | None:
        module = obj if obj.is_module else obj.module
        scopes = [target]
        if target.startswith("."):
            package = module.path if module.is_package else module.parent.path
            scopes = [package + target]
        else:
            here: griffe.Object | None = obj
            while here is not None:
                scopes.append(f"{here.path}.{target}")
                here = here.parent
        for candidate in scopes:
            try:
                found = loader.modules_collection.get_member(candidate)
            except Exception:  # any failure to look it up means "not here"
                continue
            if found is None:
                continue
            if found.is_alias:
                try:
                    return found.final_target.path
                except Exception:  # an alias to something outside the package
                    return None
            return candidate
        return None
