printf 'dependsOn: [Foo/bar]\n' >> kms.yaml
