1 |f a b:2
-1 0.5 'tag|f a:x
1 |f :3
1 |ns:1e10 a:1e300
1 2 3 |f a
1 no bar here
0.5 |f a
