printf 'dependsOn: [DeploymentTarget/trust]\n' >> kms.yaml
