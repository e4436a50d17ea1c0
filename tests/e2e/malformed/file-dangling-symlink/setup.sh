ln -s does-not-exist.yaml x.yaml
