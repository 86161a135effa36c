"""The rules, one package per analysis and one module per rule (see golayer.catalogue for the module
contract): ``dockerfile`` (``golayer lint``, GLD###), ``image`` (``golayer image``, GLI###), ``runtime``
(``golayer runtime``, GLR###). Importing this package imports none of them."""
