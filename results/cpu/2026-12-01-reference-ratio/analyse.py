# Between-process noise of case medians, of case/reference ratios, and their consecutive differences (README.md here).
# usage: /usr/bin/python3 analyse.py OUTDIR
import json,glob,sys,numpy as np
files=sorted(glob.glob(sys.argv[1]+'/p*.json'))
docs=[json.load(open(f)) for f in files]
def rs(x): x=np.asarray(x); return 1.4826*np.median(np.abs(x-np.median(x)))
names=[c['name'] for c in docs[0]['cases']]
print('processes',len(docs),'refBReps',docs[0]['refBReps'],'procCount',docs[0]['processorCount'])
tot=[d['totalSeconds'] for d in docs]; print('in-process seconds: median %.2f min %.2f max %.2f'%(np.median(tot),min(tot),max(tot)))
print(f"{'case':<14}{'ref':<4}{'n':>4} {'medC ms':>8} {'medR ms':>8} | {'sd lnC':>7} {'sd lnC/R':>8} {'sd lnPair':>9} | {'dd lnC':>7} {'dd C/R':>7} {'dd pair':>7} | {'corr':>5} {'corrRob':>7} | {'wCV C':>6} {'wCV R':>6} {'wCV pr':>6}")
for j,nm in enumerate(names):
    for ref in ('refA','refB'):
        lc=[];lr=[];lp=[];wc=[];wr=[];wp=[];ns=[]
        for d in docs:
            c=d['cases'][j]; C=np.array(c['caseSamples']); R=np.array(c[ref]); P=C/R
            lc.append(np.log(np.median(C))); lr.append(np.log(np.median(R))); lp.append(np.log(np.median(P)))
            wc.append(rs(C)/np.median(C)); wr.append(rs(R)/np.median(R)); wp.append(rs(P)/np.median(P)); ns.append(len(C))
        lc,lr,lp=map(np.array,(lc,lr,lp)); lq=lc-lr
        dd=lambda x: rs(np.diff(x)/np.sqrt(2))
        corr=np.corrcoef(lc,lr)[0,1]
        # robust corr via MAD-standardised Spearman
        from_rank=lambda x: np.argsort(np.argsort(x))
        sp=np.corrcoef(from_rank(lc),from_rank(lr))[0,1]
        short=nm.split(' full')[0]
        print(f"{short:<14}{ref[-1]:<4}{int(np.median(ns)):>4} {np.exp(np.median(lc))*1e3:8.3f} {np.exp(np.median(lr))*1e3:8.3f} | {rs(lc)*100:6.2f}% {rs(lq)*100:7.2f}% {rs(lp)*100:8.2f}% | {dd(lc)*100:6.2f}% {dd(lq)*100:6.2f}% {dd(lp)*100:6.2f}% | {corr:5.2f} {sp:7.2f} | {np.median(wc)*100:5.1f}% {np.median(wr)*100:5.1f}% {np.median(wp)*100:5.1f}%")
# cross-case correlation of log medians (common-mode check) and lag-1 autocorr
L=np.array([[np.log(np.median(d['cases'][j]['caseSamples'])) for j in range(len(names))] for d in docs])
print('corr of ln median(case) across cases:\n',np.round(np.corrcoef(L.T),2))
for j,nm in enumerate(names):
    x=L[:,j]-L[:,j].mean(); print(nm.split(' full')[0],'lag1 autocorr ln median(case) %.2f'%(np.sum(x[1:]*x[:-1])/np.sum(x*x)))
