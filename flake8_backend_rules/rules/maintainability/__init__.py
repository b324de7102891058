"""BR08x: maintainability. Print debugging left in application code, hand-built
singletons, wrappers and subclasses that add nothing, two spellings of the same union in
one module, and functions that answer with a `(success, ...)` status tuple.

Each rule's analysis is its own: no facts are shared between the rules of this family.
"""

FAMILY = "Maintainability"
