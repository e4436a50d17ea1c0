{ grep -v '^#' kms.yaml; echo ---; grep -v '^#' kms.yaml; } > x.yaml && rm kms.yaml
