printf 'dependsOn: [KmsKey/main]\n' >> kms.yaml
