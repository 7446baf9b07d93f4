from hostedllm.cli import main

raise SystemExit(main())
