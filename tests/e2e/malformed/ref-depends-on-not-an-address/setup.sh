printf 'dependsOn: [nope]\n' >> kms.yaml
