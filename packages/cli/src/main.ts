process.stdout.write('ferry: not built yet\n');
