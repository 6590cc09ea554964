"""Nested leave-one-file-out: for each outer held-out set, choose the recipe by the mean AUC of
leave-one-file-out over the other three sets (corpus train-only), then report that recipe's
outer score on the held-out set. The held-out set is never read while choosing.

Usage: python3 nested_lofo.py te|te+enc|te+uni
Paths are those of benches/cross_project/README.md (subsampled sets in /tmp/lofo); set CACHE,
EXTRA (for example "--max-tokens 256") and MEMO (a JSON file of finished runs) in the environment.
"""
import json, os, subprocess, sys, time
S='/work/shared/datasets'
SETS={'chromium':'/tmp/lofo/chromium_farsec/data.csv','matomo':'/tmp/lofo/matomo_github_issues/data.csv',
      'iot':f'{S}/stackexchange_iot/data.csv','stackoverflow':f'{S}/stackexchange_stackoverflow/data.csv'}
BIN='/work/wt-encoder/target/release/secdisc'
env=dict(os.environ, SECDISC_ENCODER='/work/wt-encoder/encoders/all-minilm-l6-v2')
def evaluate(files, flags):
    cmd=['nice','-n','15',BIN,'evaluate',*files,'--train-only','data/corpus.csv','--split','leave-one-file-out',
         '--embedding-cache',os.environ.get('CACHE','/tmp/ecache-lofo'),*os.environ.get('EXTRA','').split(),'--json',*flags]
    out=subprocess.run(cmd,cwd='/work/main',env=env,capture_output=True,text=True,check=True).stdout
    return json.loads(out)
grid_name=sys.argv[1]
grids={
 'te':[(f'w{w}_c{c}',['--features','tfidf+encoder','--dense-weight',str(w),'--c',str(c)])
       for w in (0.5,1,2) for c in (0.1,0.3,1,3,10,30)],
}
grids['te+enc']=grids['te']+[(f'enc_c{c}',['--features','encoder','--c',str(c)]) for c in (0.1,0.3,1,3,10,30)]
grids['te+uni']=grids['te']+[(f'uni_w{w}_c{c}',['--features','tfidf+encoder','--class-weight','uniform','--dense-weight',str(w),'--c',str(c)])
       for w in (0.5,1,2) for c in (0.1,0.3,1,3,10,30)]
cands=grids[grid_name]
cache=os.environ.get('MEMO','/tmp/lofo-sweep/nested_cache.json')
memo=json.load(open(cache)) if os.path.exists(cache) else {}
def run(key, files, flags):
    if key not in memo:
        memo[key]=evaluate(files, flags); json.dump(memo,open(cache,'w'))
    return memo[key]
t0=time.time()
rows=[]
for held,hpath in SETS.items():
    inner_files=[p for n,p in SETS.items() if n!=held]
    scores=[]
    for name,flags in cands:
        d=run(f'inner-{held}-{name}',inner_files,flags)
        scores.append((d['mean']['auc'],name,flags))
    best=max(scores,key=lambda s:s[0])
    outer=run(f'outer-{best[1]}',list(SETS.values()),best[2])
    f=[x for x in outer['per_fold'] if x['name'].startswith(os.path.basename(os.path.dirname(hpath)))][0]
    rows.append((held,best[1],best[0],f['auc'],f['f1']))
    print(held,'chose',best[1],'inner AUC %.4f'%best[0],'outer AUC %.4f F1 %.4f'%(f['auc'],f['f1']),flush=True)
print('mean AUC %.4f mean F1 %.4f, %.0f s'%(sum(r[3] for r in rows)/4,sum(r[4] for r in rows)/4,time.time()-t0))
