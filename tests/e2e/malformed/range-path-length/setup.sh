printf '  pathLength: 11\n' >> ca.yaml
