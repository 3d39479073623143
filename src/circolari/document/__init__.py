"""The intermediate document: the tree, the HTML parser that builds it, the one style sheet."""
