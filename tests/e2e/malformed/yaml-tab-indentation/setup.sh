printf 'kind: KmsKey\nname: k2\nspec:\n\trotation: {every: 30d}\n' > tabs.yaml
