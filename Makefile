# The two commands of the README, and a few shortcuts.
.PHONY: demo test sanity unit lab integration lint lab-start lab-stop lab-describe clean

demo:            ## bring up the lab and run playbooks/demo.yml against it
	scripts/demo

test:            ## run every test: sanity, unit, lab, integration, lint
	scripts/test

sanity unit lab integration lint:
	scripts/test $@

clean:
	rm -rf .build .venv
