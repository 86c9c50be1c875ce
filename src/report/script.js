(function(){var t=document.getElementById('tools');if(!t)return;t.hidden=false;
function all(o){var d=document.querySelectorAll('details');for(var i=0;i<d.length;i++){d[i].open=o;}}
document.getElementById('expand-all').addEventListener('click',function(){all(true);});
document.getElementById('collapse-all').addEventListener('click',function(){all(false);});})();
