sed -i 's/type: local/type: s3/' keyform.yaml
