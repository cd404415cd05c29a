# The two commands of the README, and a few shortcuts.
.PHONY: demo test bench sanity unit lab integration lint lab-start lab-stop lab-describe clean

demo:            ## bring up the lab and run playbooks/demo.yml against it
	scripts/demo

test:            ## run every test: sanity, unit, lab, integration, lint
	scripts/test

bench:           ## benchmarks: time and API calls of scenario runs against the lab (prints figures)
	scripts/bench

sanity unit lab integration lint:
	scripts/test $@

lab-start:       ## start the lab (instance 0) without running the demo
	.venv/bin/python tests/lab/labctl --instance 0 --state .build/lab-0 start

lab-stop:        ## stop the lab started by make demo / make lab-start
	python3 tests/lab/labctl --instance 0 --state .build/lab-0 stop

lab-describe:    ## print the lab's connection variables
	python3 tests/lab/labctl --instance 0 --state .build/lab-0 describe

clean:
	rm -rf .build .build-bench .venv
