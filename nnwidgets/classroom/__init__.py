"""Serve a class from one machine: ``nnwidgets serve`` (Voila with classroom defaults).

The command line (``nnwidgets/__main__.py``) checks the options with
:mod:`nnwidgets.classroom.options` and starts :mod:`nnwidgets.classroom.app` in a process
of its own: a Voila server whose kernel manager (:mod:`nnwidgets.classroom.kernels`)
caps the number of kernels, keeps a few started ahead and culls those whose page has
gone, and whose pages (:mod:`nnwidgets.classroom.pages`) say when the class is full.
Only ``options`` is imported by the command; the others need Voila.
"""
