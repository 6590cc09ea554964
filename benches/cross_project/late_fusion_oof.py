"""Late fusion from two `secdisc evaluate --oof` files of one leave-one-file-out split: mean of
the two scores (prob) or of their logits (logit), AUC and F1 per held-out set.
Usage: python3 late_fusion_oof.py RUN_A RUN_B [prob|logit] [WEIGHT_A]; reads /tmp/lofo-sweep/RUN.oof.csv."""
import csv,sys,math
from collections import defaultdict
def load(n):
    rows=list(csv.DictReader(open(f'/tmp/lofo-sweep/{n}.oof.csv')))
    return rows
def auc(y,s):
    pairs=sorted(zip(s,y)); n1=sum(y); n0=len(y)-n1
    # rank with ties
    ranks=[0]*len(pairs); i=0
    while i<len(pairs):
        j=i
        while j+1<len(pairs) and pairs[j+1][0]==pairs[i][0]: j+=1
        for k in range(i,j+1): ranks[k]=(i+j)/2+1
        i=j+1
    r1=sum(r for r,(s_,y_) in zip(ranks,pairs) if y_)
    return (r1-n1*(n1+1)/2)/(n1*n0)
def f1(y,s,t=0.5):
    tp=sum(1 for a,b in zip(y,s) if a and b>=t); fp=sum(1 for a,b in zip(y,s) if not a and b>=t); fn=sum(1 for a,b in zip(y,s) if a and b<t)
    return 2*tp/(2*tp+fp+fn) if tp else 0
logit=lambda p: math.log(max(p,1e-9)/max(1-p,1e-9))
def fuse(a,b,mode='prob',wa=0.5):
    A=load(a);B=load(b); assert [r['id'] for r in A]==[r['id'] for r in B]
    by=defaultdict(lambda:([],[]))
    for ra,rb in zip(A,B):
        pa,pb=float(ra['score']),float(rb['score'])
        s = wa*pa+(1-wa)*pb if mode=='prob' else 1/(1+math.exp(-(wa*logit(pa)+(1-wa)*logit(pb))))
        by[ra['fold']][0].append(ra['label']=='1'); by[ra['fold']][1].append(s)
    res=[(auc(y,s),f1(y,s)) for f,(y,s) in sorted(by.items())]
    m=sum(r[0] for r in res)/len(res); mf=sum(r[1] for r in res)/len(res)
    print(f'{a} + {b} {mode} wa={wa}: '+'  '.join('%.3f/%.3f'%r for r in res)+f'  mean AUC {m:.4f} F1 {mf:.3f}')
if __name__=='__main__':
    fuse(*sys.argv[1:3], *(sys.argv[3:4] or ['prob']), *[float(x) for x in sys.argv[4:5]])
