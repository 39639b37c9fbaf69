"""FireWorks layer: FireTasks (thin wrappers over the library), workflow constructors and
LaunchPad set-up (issue 6). The only package that imports FireWorks."""
