printf -- '---\nkind: Project\nname: again\n' >> keyform.yaml
