"""scripts/networks: the network experiments of issue 26 (alignment vs width in a ReLU teacher-student task,
deep linear chains on the Fig 2b target) and their report docs/networks.md."""
