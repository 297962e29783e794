// Anchor source: the kernels come from the Kiln build plugin.
