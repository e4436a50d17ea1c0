printf '  deletionWindow: 3d\n' >> kms.yaml
