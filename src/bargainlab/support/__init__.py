"""What every layer of bargainlab leans on and none of it is about bargaining.

- :mod:`~bargainlab.support.validation`: user parameters checked and turned into
  per-replicate arrays, each error naming the parameter and the allowed values;
- :mod:`~bargainlab.support.files`: files written atomically, never through a symbolic link,
  with one clear error when the operating system refuses;
- :mod:`~bargainlab.support.forking`: post-processing mapped over forked processes;
- :mod:`~bargainlab.support.lifetime`: worker processes that end with their parent and
  report errors whole;
- :mod:`~bargainlab.support.memory`: the heap policy of simulation tasks;
- :mod:`~bargainlab.support.provenance`: the source tree and commit of the running package.

The package sits at the bottom of the layers (see the import-linter contract in
pyproject.toml): it imports nothing else of bargainlab.
"""
