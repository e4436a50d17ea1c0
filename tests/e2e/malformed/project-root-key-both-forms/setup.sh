printf '  rootKey: {file: k.bin, env: X}\n' >> keyform.yaml
