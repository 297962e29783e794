// Spec AST and YAML front end.
