cp kms.yaml z-kms.yaml
