mkdir -p a/b && cp kms.yaml a/b/kms.yaml
